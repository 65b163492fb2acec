# Stand-in for redis:7, from Debian's redis-server (7.0 on bookworm): runs as redis in /data, and, as
# the official image does, without protected mode (it is reached only on the compose network).
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
WORKDIR /data
COPY redis-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["redis-entrypoint.sh"]
CMD ["redis-server"]
