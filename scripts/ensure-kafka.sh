#!/usr/bin/env bash
# Resolves the pinned Kafka broker jars (scripts/kafka/pom.xml) with Maven into .cache/kafka/<version>/lib, once.
# The test harness and the benchmark run them as a single-node KRaft broker on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' scripts/kafka/pom.xml)
LIB=".cache/kafka/${VERSION}/lib"
command -v java >/dev/null || { echo "Java 17 is needed to run the Kafka test broker. Install a JDK 17." >&2; exit 1; }
if ls "$LIB"/kafka_2.13-"${VERSION}".jar >/dev/null 2>&1; then
  echo "kafka ${VERSION}: $LIB" >&2
  exit 0
fi
command -v mvn >/dev/null || { echo "Maven is needed to fetch the Kafka ${VERSION} jars. Install Maven 3." >&2; exit 1; }
echo "fetching Kafka ${VERSION} jars with Maven (first run only)..." >&2
mkdir -p "$LIB"
(cd scripts/kafka && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$PWD/../../$LIB")
echo "kafka ${VERSION}: $LIB" >&2
