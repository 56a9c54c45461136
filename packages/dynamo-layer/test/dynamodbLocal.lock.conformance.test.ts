import * as LockerSuite from "@dynalock/test-layer/LockerSuite"
import { dynamoBackend } from "./support/conformance.js"

// The lock protocol against the official server's conditional-write semantics (ALL_OLD on condition failure).
LockerSuite.run(dynamoBackend("dynamodb-local"))
