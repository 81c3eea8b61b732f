import CLibPQ
import Foundation

extension ConnectionOptions {
    /// The keyword/value pairs for `PQconnectdbParams` (with `expand_dbname` on): the conninfo
    /// as `dbname`, which libpq expands, then the defaults of these options that neither the
    /// conninfo nor the environment already sets.
    func connectParameters(environment: [String: String]) throws(PostgresError) -> [(keyword: String, value: String)] {
        var parameters: [(keyword: String, value: String)] = []
        if !conninfo.isEmpty {
            parameters.append(("dbname", conninfo))
        }
        let explicit = try explicitKeywords()
        if !applicationName.isEmpty && !explicit.contains("fallback_application_name") {
            // libpq uses the fallback only when neither the conninfo nor PGAPPNAME names the application.
            parameters.append(("fallback_application_name", applicationName))
        }
        if let connectTimeout, !explicit.contains("connect_timeout"), environment["PGCONNECT_TIMEOUT"] == nil {
            parameters.append(("connect_timeout", String(connectTimeout)))
        }
        if let check = deadPeerCheck {
            let keepalives = [
                ("keepalives_idle", check.keepaliveIdle), ("keepalives_interval", check.keepaliveInterval),
                ("keepalives_count", check.keepaliveCount),
            ]
            for (keyword, value) in keepalives where !explicit.contains(keyword) {
                parameters.append((keyword, String(value)))
            }
        }
        return parameters
    }

    /// The keywords the conninfo sets. A string that is neither a URL nor contains "=" is a
    /// plain database name to libpq, so it sets nothing else.
    private func explicitKeywords() throws(PostgresError) -> Set<String> {
        guard
            ConninfoRedaction.uriPrefixLength(Array(conninfo.utf8), caseSensitive: true) > 0
                || conninfo.contains("=" as Character)
        else { return [] }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(errorMessage)
            throw PostgresError(
                kind: .connectionFailed,
                message: "invalid connection info: "
                    + ConninfoRedaction.hideQuotedTokens(message.trimmingCharacters(in: .whitespacesAndNewlines)),
                purpose: connectPurpose
            )
        }
        defer { PQconninfoFree(options) }
        var keywords: Set<String> = []
        var option = options
        while let keyword = option.pointee.keyword {
            if option.pointee.val != nil {
                keywords.insert(String(cString: keyword))
            }
            option += 1
        }
        return keywords
    }

    /// Describes a connection attempt for errors and logs, without any password.
    var connectPurpose: String {
        "connect to " + (conninfo.isEmpty ? "libpq defaults" : redacted)
    }
}
