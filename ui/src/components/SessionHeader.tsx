import { useState } from 'react';
import type { Session } from '../api/types';
import { sessionTitle } from '../format';
import type { SessionActions } from '../state/actions';
import { ConfirmDialog } from './ConfirmDialog';
import { InlineEdit } from './InlineEdit';
import { SessionTotals } from './SessionTotals';

interface Props {
  session: Session | null;
  actions: SessionActions;
}

const parseTags = (text: string) => [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];

/** Title (rename), tags, totals, and archive / fork / delete for the open session. */
export function SessionHeader({ session, actions }: Props) {
  const [editing, setEditing] = useState<'title' | 'tags' | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (!session) {
    return (
      <header className="session-header" data-testid="session-header" aria-busy="true">
        <p className="muted">Loading session…</p>
      </header>
    );
  }
  const archived = session.status === 'archived';

  const remove = async () => {
    setDeleting(true);
    const gone = await actions.remove();
    setDeleting(false);
    if (!gone) setConfirming(false);
  };

  return (
    <header className="session-header" data-testid="session-header">
      <div className="header-row">
        {editing === 'title' ? (
          <InlineEdit
            testId="rename-input"
            label="Session title"
            initial={session.title ?? ''}
            placeholder="New session"
            onSave={(t) => {
              setEditing(null);
              if (t.trim() !== (session.title ?? '')) actions.rename(t);
            }}
            onCancel={() => setEditing(null)}
          />
        ) : (
          <h1 className="session-title" data-testid="session-title">
            {sessionTitle(session.title)}
          </h1>
        )}
        {archived && <span className="badge">Archived</span>}
        <div className="header-actions">
          {editing !== 'title' && (
            <button type="button" data-testid="rename-button" onClick={() => setEditing('title')}>
              Rename
            </button>
          )}
          <button type="button" data-testid="archive-button" onClick={actions.toggleArchived}>
            {archived ? 'Unarchive' : 'Archive'}
          </button>
          <button type="button" data-testid="fork-button" onClick={actions.fork}>
            Fork
          </button>
          <button type="button" className="danger-text" data-testid="delete-button" onClick={() => setConfirming(true)}>
            Delete
          </button>
        </div>
      </div>
      <div className="header-row secondary">
        {editing === 'tags' ? (
          <InlineEdit
            testId="tags-input"
            label="Tags, separated by commas"
            initial={session.tags.join(', ')}
            placeholder="tag one, tag two"
            onSave={(t) => {
              setEditing(null);
              actions.setTags(parseTags(t));
            }}
            onCancel={() => setEditing(null)}
          />
        ) : (
          <>
            <ul className="tags" aria-label="Tags">
              {session.tags.map((t) => (
                <li key={t} className="tag">
                  {t}
                </li>
              ))}
            </ul>
            <button type="button" className="small" data-testid="tags-button" onClick={() => setEditing('tags')}>
              {session.tags.length ? 'Edit tags' : 'Add tags'}
            </button>
          </>
        )}
        <SessionTotals session={session} />
      </div>
      {confirming && (
        <ConfirmDialog
          title="Delete this session?"
          confirmLabel={deleting ? 'Deleting…' : 'Delete'}
          busy={deleting}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            “{sessionTitle(session.title)}” and its whole conversation will be deleted for good. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </header>
  );
}
