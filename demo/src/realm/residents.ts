/** A record of the demo's resident register before the app encrypts it (made-up people, valid check digits). */
export interface ResidentSeed {
  row: string;
  name: string;
  idNumber: string;
  district: string;
  /** The OneGate account of the person, when they have one: the data subject of audit events. */
  subject?: string;
}

/** The register the Civil Affairs Records app starts with; the demo citizen is one of the residents. */
export function demoResidents(citizenAccountId: string): ResidentSeed[] {
  return [
    {
      row: 'r-1001',
      name: '李小红',
      idNumber: '330106198503120415',
      district: '西湖区',
      subject: citizenAccountId,
    },
    { row: 'r-1002', name: '陈建国', idNumber: '330102199207281520', district: '上城区' },
    { row: 'r-1003', name: '赵敏', idNumber: '330106197801010033', district: '西湖区' },
  ];
}
