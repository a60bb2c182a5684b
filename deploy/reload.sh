#!/bin/sh
# Reload the web server without failing a call: one app-server instance at a time, each given
# the time to start its new processes before the other goes. nginx (deploy/nginx) tries a call
# the reloading instance drops on the other one.
set -eu
for instance in 1 2; do
    systemctl reload "openivan-web@$instance"
    sleep "${OPENIVAN_RELOAD_PAUSE_SECONDS:-5}"
done
