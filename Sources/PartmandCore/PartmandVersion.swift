/// partmand's version, defined here and nowhere else: scripts/build-release and scripts/package-deb read
/// `number` from the line `public static let number = "…"` of this file.
///
/// The git commit is known only to a build that was told it: scripts/build-release writes the
/// gitignored `BuildCommit.swift` beside this file (from `git rev-parse`, or `PARTMAND_COMMIT` where
/// there is no checkout, as in the image's build stage) and compiles with
/// `-Xswiftc -DPARTMAND_BUILD_COMMIT`. A plain `swift build` knows no commit and says nothing about one.
/// The commit is never looked up at run time: the binary may run far from any checkout.
public enum PartmandVersion {
    /// The release number, e.g. `0.9.0`.
    public static let number = "0.9.0"

    /// The commit the binary was built from (`1a2b3c4d5e6f`, `-dirty` when the checkout had uncommitted
    /// changes), or nil when the build was not given one.
    public static var commit: String? {
        #if PARTMAND_BUILD_COMMIT
            return partmandBuildCommit
        #else
            return nil
        #endif
    }

    /// `0.9.0 (commit 1a2b3c4d5e6f)`, or `0.9.0` without a commit: what `--version` prints after the
    /// program name, what `partmand run` logs at start and the first STATUS line shows.
    public static var description: String {
        guard let commit else { return number }
        return "\(number) (commit \(commit))"
    }
}
