# Stand-in for python:3.11-slim-bookworm, from Debian's own python3.11: `python` and `pip` on the PATH
# (a venv, since Debian's python refuses pip installs into the system), root as the default user.
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /usr/local/python
ENV PATH=/usr/local/python/bin:$PATH LANG=C.UTF-8
CMD ["python3"]
