import { describe, expect, it } from 'vitest';
import { ExistenceLedger } from '../../src/audit/classify.js';
import { PartitionMasks } from '../../src/audit/partitions.js';
import { CLOUDINARY_PARTITIONS } from '../../src/storage/cloudinary/partitions.js';
import { MemoryRows, ReferenceIndex, type ReferenceRow } from '../../src/audit/reference-index.js';

const masks = new PartitionMasks(CLOUDINARY_PARTITIONS);
const maskLabel = (mask: number) => masks.label(mask);
const typesOfMask = (mask: number) => masks.typesOf(mask);
const row = (reference: string): ReferenceRow => ({ source: 's', recordId: '1', title: '', author: '', status: 'ACTIVE', createdAt: '', recordUrl: '', reference });

describe('compact reference index', () => {
  it('protects every candidate id, counts distinct requirements and keeps rows in the sink', () => {
    const rows = new MemoryRows();
    const index = new ReferenceIndex(masks, rows);
    const stats = index.startSource('s');
    index.addReference(stats, row('a'), [{ publicId: 'a' }]);
    index.addReference(stats, row('a'), [{ publicId: 'a' }]);
    index.addReference(stats, row('image/upload/v1/a.jpg'), [{ publicId: 'a', resourceType: 'image', type: 'upload' }]);
    const multi = index.addReference(stats, row('docs/f.pdf'), [{ publicId: 'docs/f.pdf', resourceType: 'raw' }, { publicId: 'docs/f', resourceType: 'image' }]);
    expect(index.isProtected({ publicId: 'a', resourceType: 'video', type: 'private' })).toBe(true);
    expect(index.isProtected({ publicId: 'docs/f', resourceType: 'image', type: 'authenticated' })).toBe(true);
    expect(index.isProtected({ publicId: 'docs/f', resourceType: 'raw', type: 'upload' })).toBe(false);
    expect(index.isProtected({ publicId: 'b', resourceType: 'image', type: 'upload' })).toBe(false);
    expect(index.referenceCount).toBe(4);
    expect(index.distinctCount).toBe(3);
    expect(rows.rows).toHaveLength(4);
    expect(index.candidatesOf(multi).map((c) => index.publicIdOf(c.slot))).toEqual(['docs/f.pdf', 'docs/f']);
    const seen: number[] = [];
    index.forEachRequirement((r) => seen.push(r));
    expect(new Set(seen).size).toBe(3);
    expect(typesOfMask(index.candidatesOf(rows.rows[2]!.requirement)[0]!.mask)).toEqual({ resourceType: 'image', type: 'upload' });
    expect(typesOfMask(index.candidatesOf(rows.rows[0]!.requirement)[0]!.mask)).toEqual({ resourceType: '', type: '' });
  });

  it('protects, per public_id, exactly the partitions its readings allow', () => {
    const index = new ReferenceIndex(masks);
    const stats = index.startSource('s');
    index.addReference(stats, row('image/private/v1/c.pdf'), [{ publicId: 'c', resourceType: 'image', type: 'private' }]);
    index.protect(stats, [{ publicId: 'c', resourceType: 'video', type: 'upload' }], 'l_video:c');
    index.addReference(stats, row('clips/a'), [{ publicId: 'clips/a', resourceType: 'video' }]);
    const at = (publicId: string, resourceType: 'image' | 'video' | 'raw', type: 'upload' | 'private' | 'authenticated') => index.isProtected({ publicId, resourceType, type });
    expect([at('c', 'image', 'private'), at('c', 'video', 'upload'), at('c', 'image', 'upload'), at('c', 'raw', 'private')]).toEqual([true, true, false, false]);
    expect([at('clips/a', 'video', 'authenticated'), at('clips/a', 'image', 'upload')]).toEqual([true, false]);
    expect(maskLabel(index.protectedMaskOf(index.slotOf('c')!))).toBe('image/private, video/upload');
    expect(maskLabel(index.protectedMaskOf(index.slotOf('clips/a')!))).toBe('video/*');
  });

  it('a ledger backed by the index never calls an unknown id absent, and round-trips through a checkpoint', () => {
    const index = new ReferenceIndex(masks);
    const stats = index.startSource('s');
    index.addReference(stats, row('x'), [{ publicId: 'x' }]);
    const ledger = new ExistenceLedger(masks, index);
    ledger.markListedFully({ resourceType: 'image', type: 'upload' }, '');
    expect(ledger.absentIn({ resourceType: 'image', type: 'upload' }, 'not-referenced')).toBe(false);
    expect(ledger.absentIn({ resourceType: 'image', type: 'upload' }, 'x')).toBe(true);
    ledger.markSeen('video', 'private', 'x');
    const copy = new ExistenceLedger(masks, index);
    copy.importState(ledger.exportState((s) => index.publicIdOf(s), index.slotCount));
    expect(copy.exists([{ publicId: 'x' }])).toBe(true);
    expect(copy.absentIn({ resourceType: 'image', type: 'upload' }, 'x')).toBe(true);
  });
});
