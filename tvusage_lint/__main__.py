from tvusage_lint.frontends.cli import main

main()
