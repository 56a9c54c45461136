import * as KeyValueStoreSuite from "@dynalock/test-layer/KeyValueStoreSuite"
import { dynamoBackend } from "./support/conformance.js"

// DynamoDB Local covers what dynalite does not: byte-accurate sizes, ReturnValuesOnConditionCheckFailure.
KeyValueStoreSuite.run(dynamoBackend("dynamodb-local"))
