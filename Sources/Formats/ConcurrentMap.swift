import Foundation
import Synchronization

extension Array where Element: Sendable {
    /// `map` spread over the machine's cores, in order. For per-guest parsing, where each element is
    /// independent; small arrays stay on the calling thread.
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        guard count > 16 else { return map(transform) }
        let results = Mutex<[T?]>(Array<T?>(repeating: nil, count: count))
        let chunks = Swift.min(count, ProcessInfo.processInfo.activeProcessorCount * 4)
        let size = (count + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * size
            let end = Swift.min(start + size, count)
            guard start < end else { return }
            var local: [T] = []
            local.reserveCapacity(end - start)
            for index in start..<end { local.append(transform(self[index])) }
            results.withLock { all in
                for (offset, value) in local.enumerated() { all[start + offset] = value }
            }
        }
        return results.withLock { $0.compactMap { $0 } }
    }
}
