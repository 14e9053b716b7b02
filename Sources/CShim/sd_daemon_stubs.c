// Debian builds libdbus-1 with systemd support: its socket-activation code for dbus-daemon
// (_dbus_listen_systemd_sockets, in the same object as the client's socket code) references
// sd_listen_fds and sd_is_socket from libsystemd, which has no static archive. swiftrun is only a
// D-Bus client and never listens, so these are never called; they report "no sockets passed"
// (sd_listen_fds(3): 0) and "not a socket" (sd_is_socket(3): 0), and let libdbus-1.a link statically.
int sd_listen_fds(int unset_environment) { (void)unset_environment; return 0; }
int sd_is_socket(int fd, int family, int type, int listening) {
    (void)fd; (void)family; (void)type; (void)listening;
    return 0;
}
