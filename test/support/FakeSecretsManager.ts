/**
 * A fake AWS Secrets Manager on 127.0.0.1 speaking the AWS JSON 1.1 protocol the SDK v3 uses:
 * `POST /` with `X-Amz-Target: secretsmanager.GetSecretValue`. Point the SDK at it with
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
 */
import http from "node:http"
import type { AddressInfo } from "node:net"

export interface FakeSecretsManager {
  readonly url: string
  /** Every GetSecretValue request: the SecretId and VersionId asked for. */
  readonly requests: Array<{ target: string; secretId: string; versionId?: string; authorization: string }>
  setSecret(id: string, secretString: string | undefined): void
  close(): Promise<void>
}

const json = (res: http.ServerResponse, status: number, body: unknown, type?: string) => {
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "x-amzn-requestid": "00000000-0000-0000-0000-000000000000",
    ...(type ? { "x-amzn-errortype": type } : {})
  })
  res.end(JSON.stringify(body))
}

export const startFakeSecretsManager = (secrets: Record<string, string> = {}): Promise<FakeSecretsManager> => {
  const store = new Map(Object.entries(secrets))
  const requests: FakeSecretsManager["requests"] = []
  const server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (c: Buffer) => (body += c.toString()))
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "")
      let input: { SecretId?: string; VersionId?: string } = {}
      try {
        input = JSON.parse(body || "{}") as typeof input
      } catch {
        return json(res, 400, { __type: "SerializationException", message: "bad JSON" }, "SerializationException")
      }
      requests.push({
        target,
        secretId: input.SecretId ?? "",
        ...(input.VersionId ? { versionId: input.VersionId } : {}),
        authorization: String(req.headers.authorization ?? "")
      })
      if (req.method !== "POST" || target !== "secretsmanager.GetSecretValue") {
        return json(res, 400, { __type: "UnknownOperationException" }, "UnknownOperationException")
      }
      if (!String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256")) {
        return json(res, 400, { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" })
      }
      const secret = store.get(input.SecretId ?? "")
      if (secret === undefined) {
        return json(res, 400, {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret."
        }, "ResourceNotFoundException")
      }
      json(res, 200, {
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${input.SecretId}-AbCdEf`,
        Name: input.SecretId,
        SecretString: secret,
        VersionId: input.VersionId ?? "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1",
        VersionStages: ["AWSCURRENT"],
        CreatedDate: 1523477145.713
      })
    })
  })
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        setSecret: (id, s) => (s === undefined ? store.delete(id) : store.set(id, s)),
        close: () =>
          new Promise((r) => {
            server.closeAllConnections()
            server.close(() => r())
          })
      })
    })
  )
}
