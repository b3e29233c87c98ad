import type { Attachment } from '@parley/protocol';
import { Icon } from './Icon';
import { useEffect, useId, useImperativeHandle, useRef, useState, type KeyboardEvent, type Ref } from 'react';
import { errorMessage } from '../api/problem';
import { formatBytes } from './format';

export const draftStorageKey = (key: string) => `parley.draft.${key}`;

export function readDraft(key: string): string {
  try {
    return localStorage.getItem(draftStorageKey(key)) ?? '';
  } catch {
    return '';
  }
}

/** Forgets every draft (explicit sign-out on a shared computer; not on session expiry). */
export function clearDrafts(): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith('parley.draft.')) localStorage.removeItem(key);
  } catch {
    /* storage disabled */
  }
}

function writeDraft(key: string, value: string): void {
  try {
    if (value) localStorage.setItem(draftStorageKey(key), value);
    else localStorage.removeItem(draftStorageKey(key));
  } catch {
    /* storage full or disabled: the draft just is not kept */
  }
}

interface UploadItem {
  id: number;
  name: string;
  size: number;
  progress: number;
  attachment?: Attachment;
  error?: string;
  controller?: AbortController;
}

export interface ComposerHandle {
  addFiles(files: FileList | File[]): void;
  focus(): void;
}

export interface ComposerProps {
  /** Where the draft is kept (room id, or room id + thread root). */
  draftKey: string;
  label: string;
  maxLength: number;
  uploadMaxBytes: number;
  onSend: (body: string, attachments: Attachment[]) => void;
  onTyping?: () => void;
  onUpload?: (file: File, onProgress: (fraction: number) => void, signal: AbortSignal) => Promise<Attachment>;
  placeholder?: string;
  ref?: Ref<ComposerHandle>;
}

let uploadSeq = 0;

export function Composer({ draftKey, label, maxLength, uploadMaxBytes, onSend, onTyping, onUpload, placeholder, ref }: ComposerProps) {
  const id = useId();
  const [text, setText] = useState(() => readDraft(draftKey));
  const [uploads, setUploads] = useState<UploadItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  // Switching rooms switches drafts.
  useEffect(() => {
    setText(readDraft(draftKey));
    setUploads([]);
    setError(null);
  }, [draftKey]);

  const update = (value: string) => {
    setText(value);
    writeDraft(draftKey, value);
    if (value) onTyping?.();
  };

  const addFiles = (files: FileList | File[]) => {
    if (!onUpload) return;
    for (const file of Array.from(files)) {
      if (file.size > uploadMaxBytes) {
        setError(`“${file.name}” is ${formatBytes(file.size)}, larger than the ${formatBytes(uploadMaxBytes)} limit.`);
        continue;
      }
      const item: UploadItem = { id: ++uploadSeq, name: file.name, size: file.size, progress: 0, controller: new AbortController() };
      setUploads((u) => [...u, item]);
      const patch = (p: Partial<UploadItem>) => setUploads((u) => u.map((x) => (x.id === item.id ? { ...x, ...p } : x)));
      onUpload(file, (progress) => patch({ progress }), item.controller!.signal)
        .then((attachment) => patch({ attachment, progress: 1 }))
        .catch((err: unknown) => {
          if ((err as Error).name === 'AbortError') setUploads((u) => u.filter((x) => x.id !== item.id));
          else patch({ error: errorMessage(err) });
        });
    }
  };

  useImperativeHandle(ref, () => ({ addFiles, focus: () => input.current?.focus() }));

  const busy = uploads.some((u) => !u.attachment && !u.error);
  const ready = uploads.filter((u) => u.attachment).map((u) => u.attachment!);
  const tooLong = text.length > maxLength;

  const send = () => {
    const body = text.trim();
    if (busy || tooLong) return;
    if (!body && ready.length === 0) return;
    onSend(body || ready.map((a) => a.filename).join(', '), ready);
    setText('');
    writeDraft(draftKey, '');
    setUploads([]);
    setError(null);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Attachments">
          {uploads.map((u) => (
            <li key={u.id} className={u.error ? 'error' : ''}>
              <span className="upload-name">{u.name}</span> <span className="muted">{formatBytes(u.size)}</span>{' '}
              {u.error ? (
                <span role="alert">{u.error}</span>
              ) : u.attachment ? (
                <span className="muted">Ready</span>
              ) : (
                <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />
              )}{' '}
              <button
                type="button"
                className="link-button"
                aria-label={`Remove ${u.name}`}
                onClick={() => {
                  u.controller?.abort();
                  setUploads((all) => all.filter((x) => x.id !== u.id));
                }}
              >
                <Icon name="close" size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="composer-row">
        {onUpload && (
          <>
            <input
              ref={fileInput}
              id={`${id}-file`}
              type="file"
              multiple
              className="visually-hidden"
              onChange={(e) => {
                if (e.target.files) addFiles(e.target.files);
                e.target.value = '';
              }}
            />
            <label htmlFor={`${id}-file`} className="icon-button" title="Attach files">
              <Icon name="paperclip" />
              <span className="visually-hidden">Attach files</span>
            </label>
          </>
        )}
        <label htmlFor={`${id}-text`} className="visually-hidden">
          {label}
        </label>
        <textarea
          ref={input}
          id={`${id}-text`}
          value={text}
          rows={Math.min(8, Math.max(1, text.split('\n').length))}
          placeholder={placeholder ?? label}
          onChange={(e) => update(e.target.value)}
          onKeyDown={onKeyDown}
          aria-describedby={`${id}-hint`}
          aria-invalid={tooLong}
        />
        <button type="submit" disabled={busy || tooLong || (!text.trim() && ready.length === 0)}>
          Send
        </button>
      </div>
      <p id={`${id}-hint`} className={`composer-hint muted${tooLong ? ' error' : ''}`}>
        {tooLong ? `${text.length - maxLength} characters over the ${maxLength} limit.` : 'Enter to send, Shift+Enter for a new line.'}
      </p>
    </form>
  );
}
