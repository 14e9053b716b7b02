// libdbus-1, the reference D-Bus client library (Debian libdbus-1-dev), for the systemd cgroup
// driver. Declarations only: the real header. Imported by LinuxSys alone (LinuxSys/DBus.swift).
// libdbus-1 rather than libsystemd's sd-bus: the binary is linked -static-executable and Debian
// ships libdbus-1.a but no libsystemd.a (see Docs/CGROUPS.md, "The systemd driver").
#include <dbus/dbus.h>
