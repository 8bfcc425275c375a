;;; eglot_check.el --- the README's Emacs configuration, driven in `emacs --batch'  -*- lexical-binding: t -*-

;; Run by tests/test_emacs.py:
;;   emacs --batch -l CONFIG -l tests/eglot_check.el FILE OUT
;; CONFIG is the README's emacs-lisp block; FILE is opened as a user would open it, and
;; what eglot shows is written to OUT, one fact per line, for the test to compare:
;;   root DIR / diagnostic CODE LINE COLUMN TEXT / action KIND TITLE / fixed / after N
;; and the buffer text after fix-all to OUT.fixed.  Batch Emacs has no command loop,
;; so the hooks and timers a keystroke would run are run here by hand.

(require 'eglot)
(require 'flymake)

(defun tvu-wait (what seconds)
  "Accept output from the server until WHAT returns non-nil or SECONDS pass."
  (let ((end (+ (float-time) seconds)))
    (while (and (not (funcall what)) (< (float-time) end))
      (accept-process-output nil 0.05))
    (funcall what)))

(defun tvu-diagnostics ()
  (flymake-start)  ; gives eglot its report function, which flushes what arrived
  (accept-process-output nil 0.05)
  (flymake-diagnostics))

(let* ((file (expand-file-name (nth 0 command-line-args-left)))
       (out (expand-file-name (nth 1 command-line-args-left)))
       (lines nil))
  (setq command-line-args-left nil)
  (find-file file)  ; python-mode-hook: eglot-ensure waits for the next command's end
  (run-hooks 'post-command-hook)
  (unless (tvu-wait (lambda () (bound-and-true-p eglot--managed-mode)) 30)
    (error "eglot did not start: %s" (with-current-buffer "*Messages*" (buffer-string))))
  (push (format "root %s" (expand-file-name (project-root (eglot--project (eglot-current-server)))))
        lines)
  (unless (tvu-wait #'tvu-diagnostics 30)
    (error "no diagnostics"))
  (dolist (d (flymake-diagnostics))
    (let ((lsp (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d)))))
      (push (format "diagnostic %s %d %d %s"
                    (plist-get lsp :code)
                    (line-number-at-pos (flymake-diagnostic-beg d))
                    (save-excursion (goto-char (flymake-diagnostic-beg d)) (1+ (current-column)))
                    (flymake-diagnostic-text d))
            lines)))
  (save-excursion  ; the menu at the finding, as M-x eglot-code-actions asks for it
    (goto-char (flymake-diagnostic-beg (car (flymake-diagnostics))))
    (dolist (action (eglot-code-actions (point) (1+ (point))))
      (push (format "action %s %s" (plist-get action :kind) (plist-get action :title)) lines)))
  (call-interactively #'tvusage-lint-fix-all)  ; the README's command, as bound to C-c l f
  (push "fixed" lines)
  (let ((coding-system-for-write 'utf-8-unix))
    (write-region nil nil (concat out ".fixed")))
  (eglot--signal-textDocument/didChange)  ; what eglot's idle timer sends after an edit
  (tvu-wait (lambda () (null (tvu-diagnostics))) 30)
  (push (format "after %d" (length (flymake-diagnostics))) lines)
  (push (format "modified %s" (buffer-modified-p)) lines)
  (with-temp-file out (insert (mapconcat #'identity (nreverse lines) "\n") "\n"))
  (set-buffer-modified-p nil)
  (eglot-shutdown (eglot-current-server)))

;;; eglot_check.el ends here
