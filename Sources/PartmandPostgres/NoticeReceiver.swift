import CLibPQ
import Logging

extension PostgresConnection {
    /// Routes the notices libpq receives on `handle` to `receive(_:)`. The connection must
    /// outlive the handle, which `close()` guarantees by finishing the handle first.
    func installNoticeReceiver(on handle: OpaquePointer) {
        PQsetNoticeReceiver(
            handle,
            { context, result in
                guard let context, let result else { return }
                Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
                    .receive(PostgresNotice(result))
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    /// Logs a notice and keeps it for the current statement's result.
    private func receive(_ notice: PostgresNotice) {
        let level: Logger.Level =
            switch notice.severity {
            case "WARNING": .warning
            case "NOTICE": .notice
            case "DEBUG": .debug
            default: .info
            }
        var metadata: Logger.Metadata = [:]
        if let sqlState = notice.sqlState { metadata["sqlstate"] = "\(sqlState)" }
        if let detail = notice.detail { metadata["detail"] = "\(detail)" }
        if let hint = notice.hint { metadata["hint"] = "\(hint)" }
        logger.log(level: level, "\(notice.message)", metadata: metadata)
        pendingNotices.append(notice)
    }
}
