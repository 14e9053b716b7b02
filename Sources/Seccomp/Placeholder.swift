/// Placeholder until the seccomp compiler lands.
enum SeccompPlaceholder {}
