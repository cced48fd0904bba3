/** AWS Lambda (nodejs22.x / nodejs24.x): the handler over Node's file system layers. */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Layer } from "effect"
import { makeHandler } from "../src/lambda/Handler.ts"

export const handler = makeHandler(Layer.merge(NodeFileSystem.layer, NodePath.layer))
