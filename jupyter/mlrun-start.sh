#!/bin/bash
# Starts a local MLRun API (sqlite under /home/jovyan/data) beside Jupyter.
set -e
mkdir -p /home/jovyan/data
python -m mlrun db --port 8080 &
exec start-notebook.sh "$@"
