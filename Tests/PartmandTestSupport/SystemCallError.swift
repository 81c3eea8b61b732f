#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call in test plumbing, with the errno text.
public struct SystemCallError: Error, CustomStringConvertible {
    public let call: String
    public let code: Int32

    public init(_ call: String, code: Int32 = errno) {
        self.call = call
        self.code = code
    }

    public var description: String { "\(call): \(String(cString: strerror(code))) (errno \(code))" }
}
