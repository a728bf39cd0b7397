/** The event is not something this handler can act on; retrying will not help. */
export class InvalidEventError extends Error {
  constructor(
    message: string,
    /** The EventBridge envelope id, when the event has one. */
    public readonly eventId?: string,
    /** The envelope's detail-type, when the event has one. */
    public readonly detailType?: string,
  ) {
    super(message);
    this.name = 'InvalidEventError';
  }
}
