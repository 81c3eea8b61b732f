import ArgumentParser
import PartmandConfig
import PartmandCore

extension PartmandConfiguration {
    /// The configured tables, or only those named; an unknown name ends the process as a usage error (exit 64).
    func tables(named names: [String]) throws(ExitCode) -> [TableSpec] {
        guard !names.isEmpty else { return tables }
        var selected: [TableSpec] = []
        for text in names {
            guard let name = try? QualifiedName(parsing: text), let spec = tables.first(where: { $0.parent == name })
            else {
                let known = tables.map(\.parent.description).joined(separator: ", ")
                printError("error: table '\(text)' is not in the configuration \(source) (configured: \(known))")
                throw ExitCode.validationFailure
            }
            selected.append(spec)
        }
        return selected
    }
}
