/// A message sent with `NOTIFY` (or `pg_notify`) on a channel a session `LISTEN`s to. The server
/// delivers it when the sending transaction commits, and only to sessions connected then.
public struct PostgresNotification: Sendable, Hashable {
    public let channel: String
    public let payload: String
    /// The process id of the server session that sent it.
    public let senderProcessID: Int32
}
