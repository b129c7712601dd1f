import CLibPQ

/// libpq's functions, opened on first use (see `Sources/CLibPQ/shim.h`): `libpq.PQstatus(…)`.
/// `ConnectionString.parse`, which every connection starts with, calls `LibPQ.open()` first, so a
/// missing library is an error there, never a crash here.
var libpq: SargableLibPQ {
    guard case .success(let table) = LibPQ.table else { fatalError("libpq called before LibPQ.open() succeeded") }
    return table
}

enum LibPQ {
    struct LoadFailure: Error { let reason: String }

    /// Opened once, by the first caller (a global's initializer runs once, thread-safely).
    static let table: Result<SargableLibPQ, LoadFailure> = {
        let storage = UnsafeMutablePointer<SargableLibPQ>.allocate(capacity: 1)
        defer { storage.deallocate() }
        if let failure = sargable_libpq_open(storage) { return .failure(LoadFailure(reason: String(cString: failure))) }
        return .success(storage.pointee)
    }()

    /// Opens libpq (once); a failure says which library is missing and which package has it.
    static func open() throws(PostgresError) {
        guard case .failure(let failure) = table else { return }
        throw PostgresError(kind: .connectionFailed, message: "cannot load libpq (\(failure.reason)); install the libpq5 package")
    }
}
