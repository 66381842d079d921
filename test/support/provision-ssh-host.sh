#!/usr/bin/env bash
# Prepares this machine for the tests that talk to a real OpenSSH server: installs Debian's openssh-server and sudo,
# and creates the non-root user `cnidoctor` with passwordless sudo, plus `cnidoctor-pw`, whose sudo rule wants a
# password (to test the "sudo needs a password" error). Needs root. Safe to run again.
# The tests start their own sshd on a free loopback port with their own host keys; nothing here starts a daemon.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "provision-ssh-host: run as root (it installs packages and adds a user)" >&2
  exit 1
fi
# openssh-server brings sshd and (via openssh-client) ssh-keygen, ssh-keyscan, ssh-agent and ssh-add, all used by tests.
if [ ! -x /usr/sbin/sshd ] || ! command -v sudo >/dev/null 2>&1 || ! command -v ssh-keygen >/dev/null 2>&1 \
  || ! command -v ssh-agent >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openssh-server openssh-client sudo >/dev/null
fi
# sshd refuses to start without its privilege-separation directory.
mkdir -p /run/sshd
if ! id cnidoctor >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash cnidoctor
fi
# A locked password is fine for key auth, but sshd rejects accounts marked '!' under UsePAM no; '*' is allowed.
usermod -p '*' cnidoctor
echo 'cnidoctor ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/cnidoctor
chmod 0440 /etc/sudoers.d/cnidoctor
# A second user whose sudo rule requires a password: `sudo -n` must fail with "a password is required".
if ! id cnidoctor-pw >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash cnidoctor-pw
fi
usermod -p '*' cnidoctor-pw
echo 'cnidoctor-pw ALL=(ALL) ALL' >/etc/sudoers.d/cnidoctor-pw
chmod 0440 /etc/sudoers.d/cnidoctor-pw
visudo -cq
