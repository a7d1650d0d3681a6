// One resolution stream of the pages pipeline: companies by domain, or contacts by email. The run's keys are
// in the order the pages need them (the snapshot's order); they are searched a chunk at a time on the search
// queue, and the results applied as a prefix (so that the first N missing keys never change once N are
// known); the missing ones are then created 100 at a time, by position range among the missing. A page may
// start once every key it and the pages before it need is searched and created.
import type { TaskPool } from '../concurrency';
import type { StreamState } from '../run';

const HUBSPOT_BATCH = 100;

export interface StreamSpec {
  /** Names the stream's tasks in the pool (`<name>-search`, `<name>-create`). */
  name: 'companies' | 'contacts';
  chunks: number;
  chunkSize: number;
  /** For each page: how many of the run's keys it and the pages before it need. */
  pageEnds: number[];
  /** With creation off, nothing waits for creates; a dry run still counts the creates it would make. */
  creating: boolean;
  /** Searches one chunk, counts it, and returns how many of its keys have no record. */
  search(chunk: number): Promise<number>;
  /** Creates the missing keys [from, from + count) and counts them (a non-fatal failure is absorbed). */
  create(from: number, count: number): Promise<void>;
}

export function newStreamState(): StreamState {
  return { searched: 0, missingEnds: [], created: 0 };
}

export class ResolveStream {
  private nextChunk: number;
  private createIssued: number;
  /** The first page that needs a chunk not searched yet (moves forward only). */
  private needCursor = 0;
  private readonly searchedOutOfOrder = new Map<number, number>(); // chunk → missing keys found in it
  private readonly createdOutOfOrder = new Map<number, number>(); // first missing key number → end

  /** Resumes from `state`: every task of a pipeline has finished before it hands over, so these are exact. */
  constructor(
    readonly state: StreamState,
    private readonly spec: StreamSpec,
    private readonly pool: TaskPool,
  ) {
    this.nextChunk = state.searched;
    this.createIssued = state.created;
  }

  get name(): string {
    return this.spec.name;
  }

  missingFound(): number {
    return this.state.missingEnds[this.state.searched - 1] ?? 0;
  }

  allSearched(): boolean {
    return this.state.searched >= this.spec.chunks;
  }

  /** Every key is searched and created: nothing of this stream runs any more. */
  done(): boolean {
    return this.allSearched() && (!this.spec.creating || this.state.created >= this.missingFound());
  }

  /** Every key that page `page` and the pages before it need is searched and created. */
  ready(page: number): boolean {
    const end = this.spec.pageEnds[page] ?? 0;
    if (end === 0) return true;
    const chunk = Math.floor((end - 1) / this.spec.chunkSize);
    if (this.state.searched <= chunk) return false;
    return !this.spec.creating || this.state.created >= this.state.missingEnds[chunk]!;
  }

  /**
   * The first page that needs the next chunk to search, or undefined when every chunk is issued: the
   * pipeline gives the search queue to the stream whose next search an earlier page waits for.
   */
  nextNeed(): number | undefined {
    if (this.nextChunk >= this.spec.chunks) return undefined;
    const first = this.nextChunk * this.spec.chunkSize; // the first key of the chunk
    const pages = this.spec.pageEnds.length;
    while (this.needCursor < pages && this.spec.pageEnds[this.needCursor]! <= first) this.needCursor++;
    return this.needCursor;
  }

  searchesInFlight(): number {
    return this.pool.count(`${this.spec.name}-search`);
  }

  /** Starts the search of the next chunk; its result joins the prefix once the chunks before it are in. */
  launchSearch(): void {
    const chunk = this.nextChunk++;
    this.pool.launch(`${this.spec.name}-search`, async () => {
      const missing = await this.spec.search(chunk);
      this.searchedOutOfOrder.set(chunk, missing);
      const state = this.state;
      for (let m = this.searchedOutOfOrder.get(state.searched); m !== undefined;) {
        this.searchedOutOfOrder.delete(state.searched);
        state.missingEnds.push(this.missingFound() + m);
        state.searched++;
        m = this.searchedOutOfOrder.get(state.searched);
      }
    });
  }

  /**
   * Starts creates of the missing keys found so far, 100 at a time and at most `width` in flight; a last,
   * partial batch goes once every chunk is searched.
   */
  launchCreates(width: number): void {
    const kind = `${this.spec.name}-create`;
    if (!this.spec.creating) {
      this.state.created = this.missingFound();
      return;
    }
    for (;;) {
      const available = this.missingFound() - this.createIssued;
      if (this.pool.count(kind) >= width || available === 0) return;
      if (available < HUBSPOT_BATCH && !this.allSearched()) return;
      const from = this.createIssued;
      const count = Math.min(HUBSPOT_BATCH, available);
      this.createIssued += count;
      this.pool.launch(kind, async () => {
        await this.spec.create(from, count);
        this.createdOutOfOrder.set(from, from + count);
        const state = this.state;
        for (let end = this.createdOutOfOrder.get(state.created); end !== undefined;) {
          this.createdOutOfOrder.delete(state.created);
          state.created = end;
          end = this.createdOutOfOrder.get(state.created);
        }
      });
    }
  }

  progress(): { searched: number; chunks: number; created: number; missing: number } {
    return {
      searched: this.state.searched,
      chunks: this.spec.chunks,
      created: this.state.created,
      missing: this.missingFound(),
    };
  }
}
