import * as LockerSuite from "@dynalock/test-layer/LockerSuite"
import { dynamoBackend } from "./support/conformance.js"

LockerSuite.run(dynamoBackend("dynamodb-local"))
