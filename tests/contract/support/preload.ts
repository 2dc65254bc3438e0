// preload.ts - registered in bunfig.toml: stops the servers the run started.
import { afterAll } from "bun:test";
import { stopServers } from "./server";

afterAll(() => stopServers());
