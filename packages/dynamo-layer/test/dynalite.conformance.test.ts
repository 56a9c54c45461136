import * as KeyValueStoreSuite from "@dynalock/test-layer/KeyValueStoreSuite"
import { dynamoBackend } from "./support/conformance.js"

KeyValueStoreSuite.run(dynamoBackend("dynalite"))
