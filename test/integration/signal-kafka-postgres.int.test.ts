import { startKafkaPostgresHub } from '../support/kafka-postgres-hub.js';
import { describeSignals } from '../../gateway/signal/signal.scenarios.js';

describeSignals('Kafka and PostgreSQL', (hubOptions) => startKafkaPostgresHub(hubOptions, 'signal'));
