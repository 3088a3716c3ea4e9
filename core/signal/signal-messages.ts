import type { EventType } from '../messages/event-types.js';
import type { Signal } from './signal.js';
import { SIGNAL_EVENT_TYPES, type SignalNoticeData, type SignalNoticesData, type SignalStatusData, type SignalStatusesData } from './signal-events.js';

/** What a school's system hears of a signal routed to it: never the note, never the police's ids. */
export function noticeOf(signal: Pick<Signal, 'id' | 'category' | 'severity'>, subjectId: string, episodeId: string, acknowledgeBy: Date): SignalNoticeData {
  return { signalId: signal.id, subjectId, category: signal.category, severity: signal.severity, episodeId, acknowledgeBy: acknowledgeBy.toISOString() };
}

/** What the police hear of one of their signals: its state, the school's action categories, or the refusal's code. */
export function statusOf(
  sourceId: string,
  status: SignalStatusData['status'],
  at: Date,
  more: { signalId?: string; reason?: string; actions?: SignalStatusData['actions'] } = {},
): SignalStatusData {
  return {
    sourceId,
    ...(more.signalId ? { signalId: more.signalId } : {}),
    status,
    ...(more.reason ? { reason: more.reason } : {}),
    actions: more.actions ?? [],
    at: at.toISOString(),
  };
}

/**
 * The event that carries an agency's notices or statuses: a list of one travels as the single event it always was,
 * so a connector not yet upgraded still takes it; several as one list event; none, no event.
 */
export function noticesMessage(notices: readonly SignalNoticeData[]): { type: EventType; data: SignalNoticeData | SignalNoticesData } | null {
  if (notices.length === 0) return null;
  return notices.length === 1 ? { type: SIGNAL_EVENT_TYPES.notice, data: notices[0]! } : { type: SIGNAL_EVENT_TYPES.notices, data: { notices: [...notices] } };
}

export function statusesMessage(statuses: readonly SignalStatusData[]): { type: EventType; data: SignalStatusData | SignalStatusesData } | null {
  if (statuses.length === 0) return null;
  return statuses.length === 1
    ? { type: SIGNAL_EVENT_TYPES.status, data: statuses[0]! }
    : { type: SIGNAL_EVENT_TYPES.statuses, data: { statuses: [...statuses] } };
}
