# shellcheck shell=bash
# Runs a command where TorchSharp's native library can load.
#
# TorchSharp-cpu 0.107 ships libLibTorchSharp.so built with GCC 13 (it needs GLIBCXX_3.4.32).
# Hosts with an older libstdc++ (Debian 12) get a Debian 13 root, made once with debootstrap and
# cached outside the work tree; commands run there in a private mount namespace with the host's
# .NET, NuGet caches and data folders bound at their own paths, so every path means the same inside.

PIX2PIX_ROOTFS="${PIX2PIX_ROOTFS:-${XDG_CACHE_HOME:-$HOME/.cache}/pix2pix/trixie-rootfs}"

torch_host_libstdcxx_ok() {
  local lib
  for lib in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6; do
    [ -e "$lib" ] && grep -q GLIBCXX_3.4.32 "$lib" && return 0
  done
  return 1
}

# The Debian mirror this host already uses (deb822 or one-line sources), unless PIX2PIX_DEBIAN_MIRROR says.
torch_host_mirror() {
  if [ -n "${PIX2PIX_DEBIAN_MIRROR:-}" ]; then echo "$PIX2PIX_DEBIAN_MIRROR"; return; fi
  local m
  # Debian's own sources file first (a third-party repository's may sort before it), then any other; in one-line
  # sources, the URI after an optional [options] field.
  m=$(grep -hE '^URIs:' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)
  [ -n "$m" ] || m=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}' | grep -v security | head -n1)
  echo "$m"
}

torch_host_ensure_rootfs() {
  [ -f "$PIX2PIX_ROOTFS/.pix2pix-ready" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "pix2pix: this host's libstdc++ is too old for TorchSharp and making a Debian 13 root needs root; run as root or on Debian 13+/Ubuntu 24.04+" >&2
    return 1
  fi
  if ! command -v debootstrap >/dev/null; then
    echo "pix2pix: installing debootstrap (once)" >&2
    { apt-get update -qq && apt-get install -y -qq debootstrap; } >/dev/null || { echo "pix2pix: could not install debootstrap" >&2; return 1; }
  fi
  local mirror tmp
  mirror=$(torch_host_mirror)
  [ -n "$mirror" ] || { echo "pix2pix: no Debian mirror found; set PIX2PIX_DEBIAN_MIRROR" >&2; return 1; }
  tmp="$PIX2PIX_ROOTFS.partial.$$"
  mkdir -p "$(dirname "$PIX2PIX_ROOTFS")"
  rm -rf "$tmp"
  echo "pix2pix: creating a Debian 13 root for TorchSharp in $PIX2PIX_ROOTFS (once, about a minute)" >&2
  if ! debootstrap --variant=minbase --include=libicu76,ca-certificates,libgomp1,fonts-dejavu-core trixie "$tmp" "$mirror" >"$tmp.log" 2>&1; then
    echo "pix2pix: debootstrap failed; see $tmp.log" >&2
    return 1
  fi
  rm -f "$tmp.log"
  touch "$tmp/.pix2pix-ready"
  # Another process may have won the race; keep whichever root landed first.
  mv -T "$tmp" "$PIX2PIX_ROOTFS" 2>/dev/null || rm -rf "$tmp"
}

# The host folders a user's paths may point into, one per line; each is bound at its own path inside the root. Besides the
# usual places, the home and cache folders wherever they are, and for every absolute path among the command's arguments
# (--opt PATH, --opt=PATH, comma-separated lists) the deepest folder of it that exists, unless that is one of the root's
# own system folders (binding the host's /usr or /etc over the root's would undo the point of the root).
torch_host_shared_dirs() {
  local d arg part
  # /usr/share/fonts: the host's fonts, for the plots' text (see PlotFonts); a new root brings DejaVu itself.
  for d in /root /home /work /tmp /opt /mnt /srv /data /media /var/tmp /usr/share/fonts; do
    [ -d "$d" ] && echo "$d"
  done
  # Folders named by the environment and the working directory, unless one is a system folder itself (a command run from
  # /, as a service manager starts one, would otherwise bind the host's whole tree over the root's).
  for d in "${PIX2PIX_REPO:-}" "$PWD" "${HOME:-}" "${XDG_CACHE_HOME:-}" "${PIX2PIX_CACHE:-}" "${DOTNET_ROOT:-}" "${NUGET_PACKAGES:-}"; do
    d=${d%/}
    case "${d:-/}" in
      /usr/lib/dotnet | /usr/lib/dotnet/* | /usr/share/dotnet | /usr/share/dotnet/*) [ -d "$d" ] && echo "$d" ;;   # a packaged .NET
      / | /usr | /usr/lib | /usr/lib/* | /usr/lib32* | /usr/lib64* | /usr/libx32* | /usr/bin | /usr/bin/* | /usr/sbin | /usr/sbin/* | /usr/share \
        | /usr/include* | /usr/libexec* | /usr/local | /etc | /etc/* | /var | /var/lib | /var/cache | /bin | /bin/* | /sbin | /sbin/* \
        | /lib | /lib/* | /lib32* | /lib64* | /libx32* | /boot* | /proc* | /sys* | /dev* | /run*) ;;
      *) [ -d "$d" ] && echo "$d" ;;
    esac
  done
  for arg in "$@"; do
    [[ "$arg" == --*=* ]] && arg=${arg#*=}
    local IFS=,
    for part in $arg; do
      [[ "$part" == /* ]] || continue
      d=$part
      while [ -n "$d" ] && [ ! -d "$d" ]; do d=${d%/*}; done
      case "${d:-/}" in
        / | /var | /var/lib | /var/cache | /usr | /usr/* | /etc | /etc/* | /bin | /bin/* | /sbin | /sbin/* | /lib | /lib/* | /lib32* | /lib64* | /libx32* | /boot* | /proc* | /sys* | /dev* | /run*) ;;
        *) echo "$d" ;;
      esac
    done
  done
  return 0
}

# torch_host_run CMD [ARGS...]: runs CMD here, or inside the Debian 13 root when this host needs it.
torch_host_run() {
  if torch_host_libstdcxx_ok && [ -z "${PIX2PIX_FORCE_ROOTFS:-}" ]; then
    "$@"; return
  fi
  torch_host_ensure_rootfs || return 1
  local dirs
  dirs=$(torch_host_shared_dirs "$@" | sort -u)
  # The host's CA bundle carries the extra roots these machines need to reach the registries.
  cp /etc/ssl/certs/ca-certificates.crt "$PIX2PIX_ROOTFS/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || true
  cp /etc/resolv.conf "$PIX2PIX_ROOTFS/etc/resolv.conf" 2>/dev/null || true
  local dotnet_dir
  dotnet_dir=$(dirname "$(readlink -f "$(command -v dotnet)")")
  PIX2PIX_ROOTFS="$PIX2PIX_ROOTFS" PIX2PIX_DIRS="$dirs" PIX2PIX_CWD="$PWD" PIX2PIX_DOTNET_DIR="$dotnet_dir" \
  unshare --mount --propagation private bash -c '
    set -e
    r="$PIX2PIX_ROOTFS"
    printf "%s\n%s\n" "$PIX2PIX_DIRS" "$PIX2PIX_DOTNET_DIR" | while IFS= read -r d; do
      [ -n "$d" ] || continue
      [ -L "$r$d" ] && continue
      mkdir -p "$r$d"
      mountpoint -q "$r$d" || mount --rbind "$d" "$r$d"
    done
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount --rbind /sys "$r/sys" 2>/dev/null || true
    [ -d /dev/shm ] && mount --rbind /dev/shm "$r/dev/shm" 2>/dev/null || true
    export PATH="$PIX2PIX_DOTNET_DIR:$PATH" DOTNET_ROOT="${DOTNET_ROOT:-$PIX2PIX_DOTNET_DIR}"
    exec chroot "$r" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$PIX2PIX_CWD" "$@"
  ' bash "$@"
}
