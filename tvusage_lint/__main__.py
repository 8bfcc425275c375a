from tvusage_lint.cli import main

main()
