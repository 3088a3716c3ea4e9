import { startKafkaPostgresHub } from '../support/kafka-postgres-hub.js';
import { describeConsent } from '../../gateway/consent/consent.scenarios.js';

describeConsent('Kafka and PostgreSQL', (hubOptions) => startKafkaPostgresHub(hubOptions, 'consent'));
