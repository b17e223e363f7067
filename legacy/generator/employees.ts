import { day } from './calendar.js';
import type { Generation } from './context.js';
import { GIVEN_NAMES, PEOPLE_SURNAMES, STREETS } from './vocabulary.js';

/** A salesperson: an ERP employee and the CRM user with the same e-mail. */
export interface Employee {
  id: string;
  number: string;
  name: string;
  email: string;
  userId: string;
}

/** One employee per 25 customers (at least 10), each written as an ERP employee and a CRM User. */
export function writeEmployees(gen: Generation, customerCount: number): Employee[] {
  const { random, erp, crm } = gen;
  const employeeCount = Math.max(10, Math.ceil(customerCount / 25));
  const employees: Employee[] = [];
  for (let e = 0; e < employeeCount; e++) {
    const given = random.pick(GIVEN_NAMES);
    const surname = random.pick(PEOPLE_SURNAMES);
    const local = `${given}.${surname}`
      .normalize('NFD')
      .replace(/[^A-Za-z.]/g, '')
      .toLowerCase();
    const email = `${local}${e + 1}@cronus-demo.com`;
    const employee: Employee = {
      id: random.guid(),
      number: `E${String(e + 1).padStart(4, '0')}`,
      name: `${given} ${surname}`,
      email,
      userId: gen.ids.user.next(),
    };
    employees.push(employee);
    const hired = day(-random.int(200, 4000));
    erp.employees.insert({
      id: employee.id,
      number: employee.number,
      displayName: employee.name,
      givenName: given,
      middleName: '',
      surname,
      jobTitle: random.pick(['Account Manager', 'Sales Representative', 'Key Account Manager']),
      addressLine1: `${random.int(1, 200)} ${random.pick(STREETS)}`,
      addressLine2: '',
      city: 'Atlanta',
      state: 'GA',
      country: 'US',
      postalCode: `303${random.int(10, 99)}`,
      phoneNumber: gen.phone(),
      mobilePhone: gen.phone(),
      email,
      personalEmail: `${local}@example.net`,
      employmentDate: hired,
      terminationDate: null,
      status: 'Active',
      birthDate: day(-random.int(8000, 22000)),
      statisticsGroupCode: '',
      lastModifiedDateTime: gen.timestamp(day(-random.int(0, 200))),
    });
    crm.User.insert({
      Id: employee.userId,
      Username: `${email}.crm`,
      FirstName: given,
      LastName: surname,
      Name: employee.name,
      Email: email,
      Title: 'Sales',
      Department: 'Sales',
      IsActive: true,
      ...gen.sfSystem(hired, day(-random.int(0, 100))),
    });
  }
  return employees;
}
