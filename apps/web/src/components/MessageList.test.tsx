import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reducer, initialState, timelineMessages, type PendingMessage } from '../state/store';
import { alice, bob, msg, ROOM } from '../test/fixtures';
import { MessageList, type MessageListProps } from './MessageList';

afterEach(cleanup);

function setup(over: Partial<MessageListProps> = {}) {
  const props: MessageListProps = {
    label: 'Messages in #general',
    messages: [],
    pending: [],
    me: alice,
    hasOlder: false,
    onLoadOlder: vi.fn(async () => undefined),
    firstUnreadAfter: null,
    onEdit: vi.fn(),
    onDelete: vi.fn(),
    onReact: vi.fn(),
    onOpenThread: vi.fn(),
    onRetry: vi.fn(),
    onDiscard: vi.fn(),
    ...over,
  };
  const utils = render(<MessageList {...props} />);
  return { props, ...utils };
}

const pending = (over: Partial<PendingMessage> = {}): PendingMessage => ({
  clientKey: 'key-00000001',
  roomId: ROOM,
  body: 'on its way',
  parentId: null,
  attachments: [],
  createdAt: '2026-03-02T11:00:00.000Z',
  status: 'pending',
  ...over,
});

describe('MessageList', () => {
  it('renders the XSS payload as text, never as HTML', () => {
    const onerror = vi.fn();
    (window as unknown as { alert: unknown }).alert = onerror;
    const { container } = setup({ messages: [msg({ seq: 1, body: '<img src=x onerror=alert(1)>' })] });
    expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeTruthy();
    expect(container.querySelector('.message img')).toBeNull();
    expect(onerror).not.toHaveBeenCalled();
  });

  it('makes links clickable and safe', () => {
    setup({ messages: [msg({ seq: 1, body: 'see https://example.com/a?b=1, and javascript:alert(1)' })] });
    const link = screen.getByRole('link', { name: 'https://example.com/a?b=1' });
    expect(link.getAttribute('href')).toBe('https://example.com/a?b=1');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(link.getAttribute('target')).toBe('_blank');
    // Only http(s) becomes a link.
    expect(screen.queryByRole('link', { name: /javascript/ })).toBeNull();
  });

  it('separates days and marks the first unread message', () => {
    const messages = [
      msg({ seq: 1, createdAt: '2026-03-01T10:00:00.000Z', body: 'day one' }),
      msg({ seq: 2, createdAt: '2026-03-02T10:00:00.000Z', body: 'day two a' }),
      msg({ seq: 3, createdAt: '2026-03-02T11:00:00.000Z', body: 'day two b' }),
    ];
    setup({ messages, firstUnreadAfter: 2 });
    const separators = screen.getAllByRole('separator');
    expect(separators.map((s) => s.getAttribute('aria-label'))).toEqual([
      expect.stringMatching(/2026|March|Sunday/),
      expect.stringMatching(/2026|March|Monday/),
      'New messages',
    ]);
    const divider = separators[2]!;
    expect(divider.nextElementSibling?.textContent).toContain('day two b');
    expect(divider.previousElementSibling?.textContent).toContain('day two a');
  });

  it('shows a pending message until the server confirms it, and never twice', () => {
    const p = pending();
    let state = reducer(initialState, { type: 'signedIn', me: alice });
    state = reducer(state, { type: 'pending.add', pending: p });
    const { rerender, props } = setup({ pending: Object.values(state.pending) });
    expect(screen.getByText('Sending…')).toBeTruthy();
    // The ack and the live event both deliver the same message: it appears once, not pending.
    const confirmed = msg({ seq: 7, author: alice, body: 'on its way', clientKey: p.clientKey });
    state = reducer(state, { type: 'messages.merge', roomId: ROOM, items: [confirmed] });
    state = reducer(state, { type: 'messages.merge', roomId: ROOM, items: [confirmed], live: true });
    rerender(<MessageList {...props} messages={timelineMessages(state.timelines[ROOM])} pending={Object.values(state.pending)} />);
    expect(screen.getAllByText('on its way')).toHaveLength(1);
    expect(screen.queryByText('Sending…')).toBeNull();
  });

  it('offers retry and discard for a failed send', () => {
    const { props } = setup({ pending: [pending({ status: 'failed', error: 'You are doing that too often.' })] });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('You are doing that too often.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(props.onRetry).toHaveBeenCalledWith('key-00000001');
    fireEvent.click(within(alert).getByRole('button', { name: 'Discard' }));
    expect(props.onDiscard).toHaveBeenCalledWith('key-00000001');
  });

  it('edits own messages with Enter and cancels with Escape; others cannot be edited', () => {
    const mine = msg({ seq: 1, author: alice, body: 'typo heer' });
    const theirs = msg({ seq: 2, author: bob, body: 'not yours' });
    const { props } = setup({ messages: [mine, theirs] });
    expect(screen.getAllByRole('button', { name: 'Edit message' })).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Edit message' }));
    const box = screen.getByRole('textbox', { name: 'Edit message' });
    fireEvent.change(box, { target: { value: 'typo here' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(props.onEdit).toHaveBeenCalledWith(mine, 'typo here');
    fireEvent.click(screen.getByRole('button', { name: 'Edit message' }));
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Edit message' }), { key: 'Escape' });
    expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull();
  });

  it('shows deleted messages as tombstones, edits as (edited), reactions as toggles', () => {
    const { props } = setup({
      messages: [
        msg({ seq: 1, body: '', deletedAt: '2026-03-02T10:05:00.000Z' }),
        msg({ seq: 2, body: 'changed', editedAt: '2026-03-02T10:06:00.000Z', reactions: [{ emoji: '👍', count: 2, userIds: [alice.id, bob.id] }] }),
      ],
    });
    expect(screen.getByText('This message was deleted.')).toBeTruthy();
    expect(screen.getByText('(edited)')).toBeTruthy();
    const reaction = screen.getByRole('button', { name: /👍 2 reactions, including yours/ });
    expect(reaction.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(reaction);
    expect(props.onReact).toHaveBeenCalledWith(expect.objectContaining({ seq: 2 }), '👍');
  });

  it('renders images as previews and other files as download links', () => {
    const base = { roomId: ROOM, createdAt: '2026-03-02T10:00:00.000Z' };
    setup({
      messages: [
        msg({
          seq: 1,
          attachments: [
            { ...base, id: '00000000-0000-4000-8000-0000000000f1', filename: 'cat.png', contentType: 'image/png', size: 2048, url: '/api/v1/uploads/f1' },
            { ...base, id: '00000000-0000-4000-8000-0000000000f2', filename: 'notes.pdf', contentType: 'application/pdf', size: 3 * 1024 * 1024, url: '/api/v1/uploads/f2' },
          ],
        }),
      ],
    });
    expect(screen.getByRole('img', { name: 'cat.png' }).getAttribute('src')).toBe('/api/v1/uploads/f1');
    const file = screen.getByRole('link', { name: /notes\.pdf/ });
    expect(file.getAttribute('download')).toBe('notes.pdf');
    expect(file.textContent).toContain('3.0 MB');
  });

  it('loads older history from the top of the list', async () => {
    const { props } = setup({ messages: [msg({ seq: 51 })], hasOlder: true });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Load older messages' }));
    });
    expect(props.onLoadOlder).toHaveBeenCalledTimes(1);
  });

  it('says where history begins', () => {
    setup({ messages: [msg({ seq: 1 })], hasOlder: false });
    expect(screen.getByText('This is the beginning of the conversation.')).toBeTruthy();
  });

  it('jumps to the first unread message, loading older pages until it is there', async () => {
    const pages = [[msg({ seq: 60 }), msg({ seq: 61 })], [msg({ seq: 40, body: 'first unread' }), msg({ seq: 41 })]];
    let shown = pages[0]!;
    const { rerender, props } = setup({ messages: shown, hasOlder: true, firstUnreadAfter: 39 });
    const onLoadOlder = vi.fn(async () => {
      shown = [...pages[1]!, ...shown];
      rerender(<MessageList {...props} onLoadOlder={onLoadOlder} messages={shown} hasOlder={false} />);
    });
    rerender(<MessageList {...props} onLoadOlder={onLoadOlder} />);
    // The first unread message is not loaded yet, so no divider is drawn in the wrong place.
    expect(screen.queryByRole('separator', { name: 'New messages' })).toBeNull();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Jump to first unread' }));
    });
    expect(onLoadOlder).toHaveBeenCalledTimes(1);
    const divider = screen.getByRole('separator', { name: 'New messages' });
    expect(divider.nextElementSibling?.textContent).toContain('first unread');
  });
});
