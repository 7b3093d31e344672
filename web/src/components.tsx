import { useSignal } from '@preact/signals';
import { useEffect, useId, useRef } from 'preact/hooks';
import { cloneElement, type ComponentChildren, type JSX, type VNode } from 'preact';

/** A value to copy (a stream URL, a token), with its own labelled button. */
export function CopyField({ label, value }: { label: string; value: string }): JSX.Element {
  const copied = useSignal(false);
  const copy = async (): Promise<void> => {
    await navigator.clipboard?.writeText(value).catch(() => undefined);
    copied.value = true;
    setTimeout(() => (copied.value = false), 1500);
  };
  return (
    <div class="copy">
      <span class="muted">{label}</span>
      <code>{value}</code>
      <button type="button" class="secondary" aria-label={`Copy ${label}`} onClick={() => void copy()}>
        {copied.value ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/** A modal dialog (the browser's own: focus trap, Escape to close). */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-label={title} onClose={onClose}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}

/** Runs an action, showing its error in words; returns whether it worked. */
export function useAction(): { busy: boolean; error: string; run: (action: () => Promise<unknown>) => Promise<boolean> } {
  const busy = useSignal(false);
  const error = useSignal('');
  return {
    busy: busy.value,
    error: error.value,
    run: async (action) => {
      busy.value = true;
      error.value = '';
      try {
        await action();
        return true;
      } catch (failure) {
        error.value = describeError(failure);
        return false;
      } finally {
        busy.value = false;
      }
    },
  };
}

/** The server's message, with the fields a validation error names. */
export function describeError(failure: unknown): string {
  const error = failure as { message?: string; details?: unknown[] };
  const fields = (error.details ?? [])
    .map((detail) => detail as { path?: string; message?: string })
    .filter((detail) => detail.path && detail.message)
    .map((detail) => `${detail.path}: ${detail.message}`);
  return [error.message ?? String(failure), ...fields].join('; ');
}

export function ErrorText({ text }: { text: string }): JSX.Element | null {
  return text ? (
    <p class="error" role="alert">
      {text}
    </p>
  ) : null;
}

export const formatTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

/**
 * A label beside (not around) its control, joined by id: a select's accessible name is then its
 * label alone, not the label plus the chosen option.
 */
export function Labelled({ label, children }: { label: string; children: VNode<{ id?: string }> }): JSX.Element {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {cloneElement(children, { id })}
    </div>
  );
}

/**
 * The footer of an edit dialog: Delete (when editing an existing item), Cancel, and Save, which
 * submits the form and waits while the action runs.
 */
export function FormActions({ onDelete, onCancel, busy }: { onDelete?: () => void; onCancel: () => void; busy: boolean }): JSX.Element {
  return (
    <div class="form-actions">
      {onDelete && (
        <button type="button" class="danger" onClick={onDelete}>
          Delete
        </button>
      )}
      <button type="button" class="secondary" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" disabled={busy}>
        Save
      </button>
    </div>
  );
}
