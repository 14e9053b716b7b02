/// linux.sysctl keys as procfs names.
enum Sysctl {
    /// "net.ipv4.ip_forward" -> "sys/net/ipv4/ip_forward", relative to a procfs root (see ProcFS:
    /// opened beneath it, so no key can name a file outside /proc/sys's procfs). Pure.
    static func procName(_ key: String) -> String {
        "sys/" + key.replacingOccurrences(".", with: "/")
    }
}
