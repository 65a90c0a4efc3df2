#!/usr/bin/env bash
# restart-docker.sh — restarts the Docker engine that packaging/dockerd.sh started, whether the tests or the
# quickstart ran it (`packaging/dockerd.sh restart`: exit 3, touching nothing, for an engine it did not start).
# Used by the docker plugin's and the lifecycle's daemon-restart tests.
exec bash "$(cd "$(dirname "$0")/../.." && pwd)/packaging/dockerd.sh" restart
