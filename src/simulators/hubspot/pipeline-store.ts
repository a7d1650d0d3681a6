// The portal's pipelines and their stages, per object type: every portal starts with the default ticket pipeline
// ("Support Pipeline", id `0`, stages `1`–`4`); created ones get ids HubSpot-style (numeric strings).
import { TICKETS, type Pipeline, type PipelineStage } from './model';
import { iso } from './values';

/** A stage as a create asks for it (PipelineStageInput). */
export interface StageInput {
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
}

/** The stages of HubSpot's default ticket pipeline; the default pipeline's stages are dated 0 (its reference). */
const DEFAULT_TICKET_STAGES: Array<[string, string, 'OPEN' | 'CLOSED']> = [
  ['1', 'New', 'OPEN'],
  ['2', 'Waiting on contact', 'OPEN'],
  ['3', 'Waiting on us', 'OPEN'],
  ['4', 'Closed', 'CLOSED'],
];

/** Stages in HubSpot's order: by displayOrder, then alphabetically by label. */
function byDisplayOrder(a: { displayOrder: number; label: string }, b: typeof a): number {
  return a.displayOrder - b.displayOrder || a.label.localeCompare(b.label);
}

export class PipelineStore {
  private byType = new Map<string, Pipeline[]>();
  private nextId = 1;

  reset(): void {
    const epoch = iso(0);
    this.byType = new Map([
      [
        TICKETS,
        [
          {
            id: '0',
            label: 'Support Pipeline',
            displayOrder: 0,
            stages: DEFAULT_TICKET_STAGES.map(([id, label, ticketState], displayOrder) =>
              this.stage(id, { label, displayOrder, metadata: { ticketState } }, epoch),
            ),
            archived: false,
            createdAt: epoch,
            updatedAt: epoch,
          },
        ],
      ],
    ]);
    this.nextId = 1;
  }

  list(objectTypeId: string): Pipeline[] {
    return this.byType.get(objectTypeId) ?? [];
  }

  find(objectTypeId: string, pipelineId: string): Pipeline | undefined {
    return this.list(objectTypeId).find((p) => p.id === pipelineId);
  }

  add(objectTypeId: string, input: { label: string; displayOrder: number; stages: StageInput[] }): Pipeline {
    const now = iso(Date.now());
    const pipeline: Pipeline = {
      id: this.newId(),
      label: input.label,
      displayOrder: input.displayOrder,
      stages: input.stages.map((s) => this.stage(this.newId(), s, now)).sort(byDisplayOrder),
      archived: false,
      createdAt: now,
      updatedAt: now,
    };
    this.byType.set(objectTypeId, [...this.list(objectTypeId), pipeline]);
    return pipeline;
  }

  addStage(pipeline: Pipeline, input: StageInput): PipelineStage {
    const now = iso(Date.now());
    const stage = this.stage(this.newId(), input, now);
    pipeline.stages = [...pipeline.stages, stage].sort(byDisplayOrder);
    pipeline.updatedAt = now;
    return stage;
  }

  /** Every object type's pipelines, as plain JSON. */
  snapshot(): Record<string, Pipeline[]> {
    return structuredClone(Object.fromEntries(this.byType));
  }

  /** Generated ids look like HubSpot's: numeric strings, unique across pipelines and stages. */
  private newId(): string {
    return String(100_000_000 + this.nextId++);
  }

  private stage(id: string, input: StageInput, at: string): PipelineStage {
    return {
      id,
      label: input.label,
      displayOrder: input.displayOrder,
      metadata: { ...input.metadata },
      archived: false,
      createdAt: at,
      updatedAt: at,
      writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
    };
  }
}
