#!/usr/bin/env bash
# One SCRAM user per service and least-privilege ACLs (README "Security model"): the hub owns the careloop.
# topics; a connector writes only careloop.hub.inbound and careloop.dead-letter and reads only its own agency topic.
set -euo pipefail
BIN=/opt/kafka/bin
cat > /tmp/admin.properties <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-256
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
PROPS
admin=(--bootstrap-server kafka:9092 --command-config /tmp/admin.properties)
user() { "$BIN/kafka-configs.sh" "${admin[@]}" --alter --add-config "SCRAM-SHA-256=[password=$2]" --entity-type users --entity-name "$1"; }
acl() { "$BIN/kafka-acls.sh" "${admin[@]}" --add --force "$@"; }

user hub "$KAFKA_HUB_PASSWORD"
acl --allow-principal User:hub --operation All --topic careloop. --resource-pattern-type prefixed
acl --allow-principal User:hub --operation All --group careloop-hub --resource-pattern-type prefixed
acl --allow-principal User:hub --operation Create --cluster

connector() {
  local agency=$1 password=$2
  user "$agency" "$password"
  acl --allow-principal "User:$agency" --operation Write --operation Describe --topic careloop.hub.inbound
  acl --allow-principal "User:$agency" --operation Write --operation Describe --topic careloop.dead-letter
  acl --allow-principal "User:$agency" --operation Read --operation Describe --topic "careloop.agency.$agency"
  acl --allow-principal "User:$agency" --operation Read --group "careloop-connector-$agency"
}
connector hospital-kangning "$KAFKA_HOSPITAL_PASSWORD"
connector school-east "$KAFKA_SCHOOL_PASSWORD"
connector police-haishu "$KAFKA_PUBLIC_SAFETY_PASSWORD"
connector centre-haishu "$KAFKA_CENTRE_PASSWORD"
