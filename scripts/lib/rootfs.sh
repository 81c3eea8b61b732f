# shellcheck shell=bash
# Debian 12 root filesystems for checks without a container engine. Sourced (bash) by
# scripts/check-image-runtime, scripts/check-deb and scripts/check-systemd-boot; needs root, debootstrap (installed with apt-get
# when missing) and Debian's mirror.
#
# Trees are cached in $PARTMAND_ROOTFS_CACHE (default /var/cache/partmand), outside the repository,
# one directory per recipe: NAME-<sha256 of the recipe>. A changed recipe (the debootstrap command, the
# apt sources, a Dockerfile's RUN lines) gets a new directory and the old one of that NAME is removed;
# a tree older than $PARTMAND_ROOTFS_MAX_AGE_DAYS (7) is rebuilt, so security updates arrive. Checks
# never change a cached tree: they work on a copy (rootfs_copy).

rootfs_cache=${PARTMAND_ROOTFS_CACHE:-/var/cache/partmand}
rootfs_max_age_days=${PARTMAND_ROOTFS_MAX_AGE_DAYS:-7}
rootfs_mirror=http://deb.debian.org/debian
rootfs_security_mirror=http://deb.debian.org/debian-security

# The apt sources of the debian:bookworm-slim image: the release, its updates and security updates.
rootfs_sources() {
    cat <<EOF
Types: deb
URIs: $rootfs_mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $rootfs_security_mirror
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

rootfs_need_debootstrap() {
    command -v debootstrap >/dev/null && return
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

# Mounts proc, a read-only sysfs and a private devpts in ROOT (as an engine gives a container), and the host's resolver
# configuration for apt. Fresh instances, not bind mounts of the host's trees.
rootfs_mount() {
    local root=$1
    mount -t proc proc "$root/proc"
    mount -t sysfs -o ro sysfs "$root/sys"
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
}

# Unmounts everything below ROOT, deepest first.
rootfs_umount() {
    local root target
    root=$(readlink -f "$1")
    awk -v r="$root/" 'index($2 "/", r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r target; do
        umount "$target" 2>/dev/null || umount -l "$target"
    done
}

# Deletes a tree, never through a mount point left inside it.
rootfs_remove() {
    local root=$1
    [ -e "$root" ] || return 0
    rootfs_umount "$root"
    rm -rf --one-file-system "$root"
}

# Runs a shell command inside ROOT as root (like a Dockerfile's RUN).
rootfs_sh() {
    local root=$1
    shift
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive chroot "$root" /bin/sh -c "$*"
}

# rootfs_cached NAME RECIPE BUILDER [ARGS…]: prints the directory of the cached tree for RECIPE,
# building it first when it is missing or too old: BUILDER ARGS… DIR must make the tree in DIR.
rootfs_cached() {
    local name=$1 recipe=$2
    shift 2
    local key dir tmp old
    key=$(printf '%s' "$recipe" | sha256sum | cut -c1-16)
    dir=$rootfs_cache/$name-$key
    if [ -f "$dir/.partmand-rootfs-complete" ] &&
        [ -z "$(find "$dir/.partmand-rootfs-complete" -mtime +"$rootfs_max_age_days")" ]; then
        echo "$dir"
        return
    fi
    mkdir -p "$rootfs_cache"
    tmp=$rootfs_cache/.building-$name-$key.$$
    rootfs_remove "$tmp"
    if ! "$@" "$tmp" >&2; then
        rootfs_remove "$tmp"
        echo "rootfs: could not build $name" >&2
        return 1
    fi
    rootfs_umount "$tmp"
    printf '%s\n' "$recipe" >"$tmp/.partmand-rootfs-recipe"
    touch "$tmp/.partmand-rootfs-complete"
    for old in "$rootfs_cache/$name"-* "$rootfs_cache"/.building-"$name"-*; do
        [ -e "$old" ] && [ "$old" != "$tmp" ] && rootfs_remove "$old"
    done
    mv "$tmp" "$dir"
    echo "$dir"
}

rootfs_build_base() {
    local dir=$1
    rootfs_need_debootstrap
    debootstrap --variant=minbase bookworm "$dir" "$rootfs_mirror"
    rm -f "$dir/etc/apt/sources.list"
    rootfs_sources >"$dir/etc/apt/sources.list.d/debian.sources"
    rootfs_sh "$dir" 'apt-get clean && rm -rf /var/lib/apt/lists/*'
}

# The bookworm minbase tree (Debian's "required" packages, apt, the apt sources of debian:bookworm-slim).
rootfs_base() {
    rootfs_cached bookworm-minbase "debootstrap --variant=minbase bookworm $rootfs_mirror
$(rootfs_sources)" rootfs_build_base
}

# rootfs_copy SRC DST: a private, writable copy of a cached tree for one check.
rootfs_copy() {
    rootfs_remove "$2"
    mkdir -p "$(dirname "$2")"
    cp -a "$1" "$2"
}

# The packages of the bookworm tree that boots systemd (scripts/check-systemd-boot): systemd as PID 1,
# D-Bus for systemctl, and every Depends of the partmand package, so that the .deb installs with apt
# inside the booted container without the network.
rootfs_systemd_packages=systemd,systemd-sysv,dbus,libpq5,tzdata,ca-certificates,procps

rootfs_build_systemd() {
    local dir=$1
    rootfs_need_debootstrap
    debootstrap --variant=minbase --include="$rootfs_systemd_packages" bookworm "$dir" "$rootfs_mirror"
    rm -f "$dir/etc/apt/sources.list"
    rootfs_sources >"$dir/etc/apt/sources.list.d/debian.sources"
    rootfs_sh "$dir" 'apt-get clean && rm -rf /var/lib/apt/lists/*'
    # Booted with systemd-nspawn --volatile=overlay: a fresh machine id at every boot, no getty.
    : >"$dir/etc/machine-id"
}

# The bookworm minbase tree with systemd (rootfs_systemd_packages), for booting with systemd-nspawn.
rootfs_systemd() {
    rootfs_cached bookworm-systemd "debootstrap --variant=minbase --include=$rootfs_systemd_packages bookworm $rootfs_mirror
$(rootfs_sources)" rootfs_build_systemd
}
