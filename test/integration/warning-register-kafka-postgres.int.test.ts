import { startKafkaPostgresHub } from '../support/kafka-postgres-hub.js';
import { describeWarningRegister } from '../../gateway/warning/warning-register.scenarios.js';

describeWarningRegister('Kafka and PostgreSQL', (hubOptions) => startKafkaPostgresHub(hubOptions, 'warning'));
