#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call in test plumbing, with the errno text.
struct SystemCallError: Error, CustomStringConvertible {
    let call: String
    let code: Int32

    init(_ call: String, code: Int32 = errno) {
        self.call = call
        self.code = code
    }

    var description: String { "\(call): \(String(cString: strerror(code))) (errno \(code))" }
}
