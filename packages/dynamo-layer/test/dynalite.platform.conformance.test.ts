import * as PlatformKeyValueStoreSuite from "@dynalock/test-layer/PlatformKeyValueStoreSuite"
import { dynamoBackend } from "./support/conformance.js"

PlatformKeyValueStoreSuite.run(dynamoBackend("dynalite"))
