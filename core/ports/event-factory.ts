import type { EventType } from '../messages/event-types.js';
import type { OutgoingMessage } from './event-bus.js';

/** Turns a domain event into a signed, enveloped bus message on behalf of the hub (or a connector's agency). */
export interface EventFactory {
  create(event: {
    type: EventType;
    subject: string;
    recipient: string;
    data: unknown;
    correlationId?: string;
    id?: string;
  }): Promise<OutgoingMessage & { id: string }>;
}
