import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearDrafts, Composer, draftStorageKey, type ComposerHandle, type ComposerProps } from './Composer';
import { createRef } from 'react';
import { ROOM } from '../test/fixtures';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

function setup(over: Partial<ComposerProps> = {}) {
  const props: ComposerProps = { draftKey: ROOM, label: 'Message #general', maxLength: 20, uploadMaxBytes: 1024, onSend: vi.fn(), onTyping: vi.fn(), ...over };
  render(<Composer {...props} />);
  return { props, box: screen.getByLabelText('Message #general') as HTMLTextAreaElement };
}

describe('Composer', () => {
  it('sends on Enter and clears the box', () => {
    const { props, box } = setup();
    fireEvent.change(box, { target: { value: '  hello  ' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(props.onSend).toHaveBeenCalledWith('hello', []);
    expect(box.value).toBe('');
  });

  it('does not send on Shift+Enter (newline) or while composing with an IME', () => {
    const { props, box } = setup();
    fireEvent.change(box, { target: { value: 'line one' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    fireEvent.keyDown(box, { key: 'Enter', isComposing: true });
    expect(props.onSend).not.toHaveBeenCalled();
  });

  it('does not send blank messages', () => {
    const { props, box } = setup();
    fireEvent.change(box, { target: { value: '   \n ' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(props.onSend).not.toHaveBeenCalled();
  });

  it('keeps the draft per room in localStorage, so it survives a reload or a new sign-in', () => {
    const { box, props } = setup();
    fireEvent.change(box, { target: { value: 'half a thought' } });
    expect(localStorage.getItem(draftStorageKey(ROOM))).toBe('half a thought');
    expect(props.onTyping).toHaveBeenCalled();
    cleanup();
    const again = setup();
    expect(again.box.value).toBe('half a thought');
    fireEvent.keyDown(again.box, { key: 'Enter' });
    expect(localStorage.getItem(draftStorageKey(ROOM))).toBeNull();
  });

  it('refuses text over the limit with a message', () => {
    const { props, box } = setup();
    fireEvent.change(box, { target: { value: 'x'.repeat(25) } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(props.onSend).not.toHaveBeenCalled();
    expect(screen.getByText('5 characters over the 20 limit.')).toBeTruthy();
    expect(box.getAttribute('aria-invalid')).toBe('true');
  });

  it('rejects files over the upload limit before uploading', () => {
    const onUpload = vi.fn();
    const ref = createRef<ComposerHandle>();
    render(<Composer draftKey={ROOM} label="Message #general" maxLength={20} uploadMaxBytes={1024} onSend={vi.fn()} onUpload={onUpload} ref={ref} />);
    act(() => ref.current!.addFiles([new File([new Uint8Array(4096)], 'big.bin')]));
    expect(onUpload).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toBe('“big.bin” is 4.0 KB, larger than the 1.0 KB limit.');
  });

  it('uploads with progress and sends the attachment', async () => {
    let finish!: (a: unknown) => void;
    const onUpload = vi.fn((_f: File, progress: (n: number) => void) => {
      progress(0.5);
      return new Promise((r) => (finish = r));
    });
    const onSend = vi.fn();
    render(<Composer draftKey={ROOM} label="Message #general" maxLength={20} uploadMaxBytes={1024} onSend={onSend} onUpload={onUpload as never} />);
    const input = screen.getByLabelText(/Attach files/) as HTMLInputElement;
    fireEvent.change(input, { target: { files: [new File(['hi'], 'a.txt', { type: 'text/plain' })] } });
    const bar = screen.getByLabelText('Uploading a.txt') as HTMLProgressElement;
    expect(Number(bar.getAttribute('value'))).toBe(0.5);
    // Sending waits for the upload.
    expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).disabled).toBe(true);
    const attachment = { id: 'u1', roomId: ROOM, filename: 'a.txt', contentType: 'text/plain', size: 2, url: '/api/v1/uploads/u1', createdAt: '' };
    await act(async () => finish(attachment));
    expect(screen.getByText('Ready')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(onSend).toHaveBeenCalledWith('a.txt', [attachment]);
  });

  it('forgets all drafts on an explicit sign-out', () => {
    const { box } = setup();
    fireEvent.change(box, { target: { value: 'private thoughts' } });
    localStorage.setItem('unrelated', 'kept');
    clearDrafts();
    expect(localStorage.getItem(draftStorageKey(ROOM))).toBeNull();
    expect(localStorage.getItem('unrelated')).toBe('kept');
  });
});
