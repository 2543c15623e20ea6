// The office network share's schemas (issue 18): the state every screen shows, and what an admin chooses.
import { z } from 'zod';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const NetworkStatusSchema = z.object({
  shared: z.boolean(),
  /** where workplaces connect: https://address:port/ */
  url: z.string().nullable(),
  address: z.string().nullable(),
  port: z.number().int().nullable(),
  /** the computer's name a workplace may use instead of the address (in the Host allow-list and the certificate) */
  name: z.string().nullable(),
  /** SHA-256 of the server's certificate, «AB:CD:…»: what a workplace compares before it trusts the register */
  fingerprint: z.string().nullable(),
  since: z.string().nullable(),
  /** why a share the admin turned on is not listening (the port taken, the address gone) */
  problem: z.string().nullable(),
  /** this computer's IPv4 addresses, for the admin's choice */
  addresses: z.array(z.string()),
  /** the workplaces signed in over the network: their address, who, when last heard */
  workplaces: z.array(z.object({ address: z.string(), login: z.string(), lastSeen: z.string() })),
});
export type NetworkStatus = z.infer<typeof NetworkStatusSchema>;

export const NetworkShareInput = z.object({
  address: z.string().regex(IPV4, 'адрес IPv4 этого компьютера, например 192.168.1.10 (0.0.0.0 — на всех)'),
  port: z.number().int().min(1024, 'порт от 1024 до 65535').max(65535, 'порт от 1024 до 65535'),
  name: z.string().max(253).regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'имя компьютера в сети: латинские буквы, цифры, точка, дефис').nullable().optional(),
}).strict();
