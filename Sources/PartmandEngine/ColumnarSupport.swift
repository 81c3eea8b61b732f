import PartmandCore

/// Whether a table's columnar conversions can run on its server.
enum ColumnarSupport {
    /// The table's error when `actions` convert partitions to columnar and the server has no columnar
    /// access method (plain PostgreSQL, or Citus without `citus_columnar`): a configuration mistake.
    static func refusal(_ actions: [MaintenanceAction], _ catalog: TableCatalog) -> TableError? {
        guard !catalog.columnarAvailable,
            actions.contains(where: { if case .convertToColumnar = $0 { true } else { false } })
        else { return nil }
        return TableError(
            table: catalog.snapshot.parent,
            message:
                "configuration error: columnar_after needs Citus's columnar access method, which this server does"
                + " not have (on Citus: CREATE EXTENSION citus_columnar, or `partmand setup`; on plain PostgreSQL:"
                + " remove columnar_after); nothing converted")
    }
}
