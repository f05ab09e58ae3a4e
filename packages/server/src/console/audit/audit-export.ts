import { EXPORT_FORMATS, type ExportFormat } from '@onegate/audit';

export function exportFormat(value: unknown): ExportFormat | undefined {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value)
    ? (value as ExportFormat)
    : undefined;
}
