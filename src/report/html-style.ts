/** The review page's stylesheet: inline, system fonts only, so the page opens from disk or an email. */
export const REVIEW_CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f9fafb}
header,main{padding:12px 20px}
header{background:#fff;border-bottom:1px solid #d1d5db}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:17px;margin:16px 0 8px}
.facts{display:flex;flex-wrap:wrap;gap:4px 20px;margin:0;padding:0;list-style:none;color:#374151}
.facts b{color:#111827}
.banner{border:2px solid #92400e;background:#fffbeb;color:#78350f;padding:8px 12px;margin:8px 0;font-weight:600}
.banner::before{content:"\\26A0  "}
form.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:flex-end;background:#fff;border:1px solid #d1d5db;padding:10px;border-radius:6px}
.filters label{display:flex;flex-direction:column;font-size:12px;font-weight:600;color:#374151;gap:2px}
.filters input,.filters select{font:inherit;padding:4px 6px;border:1px solid #6b7280;border-radius:4px;background:#fff;min-width:0}
.filters input[type=number]{width:7em}
.filters fieldset{border:0;margin:0;padding:0;display:flex;gap:6px;align-items:center}
.filters fieldset label{flex-direction:row;align-items:center;gap:4px;font-size:14px;font-weight:400}
.filters legend{font-size:12px;font-weight:600;color:#374151;float:left;margin-right:6px}
.bar{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:center;margin:10px 0}
button{font:inherit;padding:5px 12px;border:1px solid #374151;border-radius:4px;background:#fff;color:#111827;cursor:pointer}
button.primary{background:#1e3a8a;border-color:#1e3a8a;color:#fff;font-weight:600}
button:disabled{opacity:.5;cursor:not-allowed}
:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
#sel-status{font-weight:600}
#export-status{flex-basis:100%;color:#065f46;font-size:13px}
#export-status code{background:#ecfdf5;padding:1px 4px}
.scroller{position:relative;height:62vh;min-height:300px;overflow:auto;background:#fff;border:1px solid #d1d5db;border-radius:6px}
.list{list-style:none;margin:0;padding:0;position:relative}
.item{position:absolute;left:0;top:0;overflow:hidden}
.grid .item{width:176px;height:266px;margin:4px}
.grid .item label{display:block;height:100%;border:1px solid #d1d5db;border-radius:6px;padding:7px;background:#fff;cursor:pointer}
.grid .item.sel label{border:3px solid #1e3a8a;padding:5px;background:#eff6ff}
.grid .info,.grid .info>span{display:block}
.grid .info{margin-top:4px}
.grid .folder::before{content:"Folder: "}
.thumb{display:flex;align-items:center;justify-content:center;width:160px;height:160px;background:#e5e7eb;color:#374151;font-weight:600;text-align:center;font-size:12px}
.thumb img{width:160px;height:160px;object-fit:cover;display:block}
.pid{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.meta{font-size:12px;color:#374151;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.grid .item input{position:absolute;left:12px;top:12px;width:20px;height:20px;z-index:1}
.table .item{width:100%;height:58px;border-bottom:1px solid #e5e7eb}
.table .item.sel{background:#eff6ff;font-weight:600}
.table .item label,.thead{display:grid;grid-template-columns:36px 56px minmax(180px,3fr) 110px 90px 170px minmax(100px,2fr);gap:8px;align-items:center;height:100%;padding:0 8px;cursor:pointer}
.table .thumb,.table .thumb img{width:48px;height:48px;font-size:9px}
.table .item .info{display:contents}
.thead{position:sticky;top:0;z-index:2;height:32px;font-weight:700;font-size:12px;background:#f3f4f6;border-bottom:1px solid #d1d5db}
.thead[hidden]{display:none}
.table .item .sep{display:none}
table.missing{border-collapse:collapse;width:100%;background:#fff}
table.missing th,table.missing td{border:1px solid #d1d5db;padding:4px 6px;text-align:left;vertical-align:top}
table.missing th{background:#f3f4f6}
td.ref{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.status-ACTIVE{font-weight:700}
.status-ACTIVE::before{content:"\\25CF  "}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
