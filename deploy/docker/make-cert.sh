#!/bin/sh
# A self-signed certificate for trying the compose set-up; use the organisation's own in production.
set -eu
cd "$(dirname "$0")"
mkdir -p certs
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
    -keyout certs/site.key -out certs/site.pem
