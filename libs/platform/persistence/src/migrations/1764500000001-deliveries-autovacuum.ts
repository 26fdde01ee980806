import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `deliveries` rows are updated once each (queued -> sent), in bulk: with the default thresholds
 * (20 % of the table) autovacuum waits for hundreds of thousands of dead tuples, and the flush's
 * claim walks their pending-index entries until then. Vacuum it after 1 % (at least 1,000 rows).
 */
export class DeliveriesAutovacuum1764500000001 implements MigrationInterface {
  name = 'DeliveriesAutovacuum1764500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE deliveries SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_analyze_scale_factor)`);
  }
}
