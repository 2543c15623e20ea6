// How a capability reaches the office network's door, which lives in the shell (main/host/network.ts): the running
// program hands its handlers this control in their Ctx; the command line has none (it serves nothing).
import type { NetworkStatus } from '../../preload/contract-network.ts';

export type ShareChoice = { address: string; port: number; name?: string | null };

export interface NetworkControl {
  status(): NetworkStatus;
  /** Listens over HTTPS at the choice (making the key and certificate on the first share) and keeps the choice. */
  share(choice: ShareChoice, by: string): Promise<NetworkStatus & { certificateMade: boolean }>;
  /** Closes the door (every network connection with it) and keeps the choice «off». */
  stop(by: string): Promise<NetworkStatus>;
}
